from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Every form and field rendered by the portal's accessible components."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"
