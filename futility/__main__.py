from futility.cli import main

main()
