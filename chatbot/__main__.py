"""`python -m chatbot` runs the command line."""

from chatbot.cli.main import main

main()
