"""Forget the figures remembered in the cache (projects.remembered), so that every page computes them
again from the database.

    manage.py forget_figures

Every change made through the platform (pages, API, imports, the admin, commands, migrations, a
restore) is seen by itself; this is for data changed outside Django's saves: by hand in SQL, or with
QuerySet.update() in manage.py shell.
"""

from django.core.management.base import BaseCommand

from projects.remembered import forget


class Command(BaseCommand):
    help = "Forget the figures remembered in the cache (after data was changed in SQL or with QuerySet.update())."

    def handle(self, *args, **options):
        forget()
        self.stdout.write("The remembered figures are forgotten: the next pages compute them from the database.")
