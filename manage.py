#!/usr/bin/env python
"""Django's command-line utility for the portfolio platform."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")
    from django.core.management import execute_from_command_line

    from portfolio.runtime import prepare_local_directories

    prepare_local_directories()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
