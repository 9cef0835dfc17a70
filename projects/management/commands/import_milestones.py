"""Import the milestones sheet from the command line: see projects.imports.command."""

from projects.imports.command import ImportCommand


class Command(ImportCommand):
    help = "Import the milestones from an Excel sheet (preview with --dry-run; --template writes the template)."
    kind_key = "milestones"
