from postkit.cli import main

main()
