"""One module per `compliance` subcommand: add_parser(subparsers) and run(args) -> int."""
