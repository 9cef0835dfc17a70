"""Import the projects sheet from the command line: see projects.imports.command."""

from projects.imports.command import ImportCommand


class Command(ImportCommand):
    help = "Import the projects from an Excel sheet (preview with --dry-run; --template writes the template)."
    kind_key = "projects"
