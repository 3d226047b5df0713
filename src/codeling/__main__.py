from codeling.cli import main

main()
