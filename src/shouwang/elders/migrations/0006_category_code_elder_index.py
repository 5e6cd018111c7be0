"""An index on the categories' (code, elder): the elders of a category, read from the index alone.

The search's category filter (``selectors.search_elders``) is an EXISTS on (elder, code); for a common
category PostgreSQL answers it by probing the unique (elder, code) index along the list order, for a rare
one by reading the category's elders from this index. Plain SQL rather than a model index so that both
databases get it without touching the model; ``IF NOT EXISTS`` keeps it safe to run twice.
"""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS elders_eldercategory_code_elder ON elders_eldercategory (code, elder_id)"
DROP = "DROP INDEX IF EXISTS elders_eldercategory_code_elder"


class Migration(migrations.Migration):
    dependencies = [
        ("elders", "0005_list_order_index"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
