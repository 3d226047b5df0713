"""The codeling web app (`codeling serve`): a local Gradio page with a tab per capability.

    from codeling.app.models import load_models
    from codeling.app.serve import AppSettings, launch
    launch(AppSettings(load_models(["runs/demo"]), runs=Path("runs")), port=0, block=False)

Gradio is imported only by codeling.app.serve, so the data-only modules (models, reports, runs,
streaming, tinypy_view) work without it.
"""
