# Own fields for a report project's generated programme and plan, apart from its facts (filled by 0008).

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0006_sheet_return'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalproject',
            name='sample_annual_plan',
            field=models.DecimalField(blank=True, decimal_places=4, editable=False, help_text='报告项目未说明年度计划时，样例生成器为演示补充的计划；不是报告数据。', max_digits=16, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='金额不能为负数。'), django.core.validators.MaxValueValidator(Decimal('99999999.9999'), message='金额不能超过99,999,999.9999万元。')], verbose_name='样例年度计划投资(万元)'),
        ),
        migrations.AddField(
            model_name='historicalproject',
            name='sample_programme',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, help_text='报告项目未说明所属计划时，样例生成器为演示计入的计划；不是报告数据。', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='projects.programme', verbose_name='样例所属计划'),
        ),
        migrations.AddField(
            model_name='project',
            name='sample_annual_plan',
            field=models.DecimalField(blank=True, decimal_places=4, editable=False, help_text='报告项目未说明年度计划时，样例生成器为演示补充的计划；不是报告数据。', max_digits=16, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='金额不能为负数。'), django.core.validators.MaxValueValidator(Decimal('99999999.9999'), message='金额不能超过99,999,999.9999万元。')], verbose_name='样例年度计划投资(万元)'),
        ),
        migrations.AddField(
            model_name='project',
            name='sample_programme',
            field=models.ForeignKey(blank=True, editable=False, help_text='报告项目未说明所属计划时，样例生成器为演示计入的计划；不是报告数据。', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='projects.programme', verbose_name='样例所属计划'),
        ),
        migrations.AddConstraint(
            model_name='project',
            constraint=models.CheckConstraint(condition=models.Q(('sample_annual_plan__isnull', True), models.Q(('sample_annual_plan__gte', 0), ('sample_annual_plan__lte', Decimal('99999999.9999'))), _connector='OR'), name='project_sample_annual_plan_in_range'),
        ),
    ]
