# Whether a record the report names is a project or a place it mentions (the generator counts only projects).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0009_remove_sample_fields'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalproject',
            name='record_kind',
            field=models.CharField(choices=[('project', '建设项目'), ('place', '设施、平台或区域')], default='project', help_text='报告提及的设施、平台或区域不是建设项目：不计入重点项目计划，也无需填报月报。', max_length=10, verbose_name='记录类型'),
        ),
        migrations.AddField(
            model_name='project',
            name='record_kind',
            field=models.CharField(choices=[('project', '建设项目'), ('place', '设施、平台或区域')], default='project', help_text='报告提及的设施、平台或区域不是建设项目：不计入重点项目计划，也无需填报月报。', max_length=10, verbose_name='记录类型'),
        ),
    ]
