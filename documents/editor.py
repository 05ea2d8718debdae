"""The WYSIWYG editor of templates: django-prose-editor (ProseMirror/Tiptap), served from
the package's own static files.

The package's widget loads its modules through an inline <script type="importmap">, which
the Content-Security-Policy of this site refuses (script-src 'self'), and Tiptap injects an
inline <style>. So the widget here keeps the package's editor bundle and CSS but starts the
editor from static/js/template_editor.js, which imports the bundle by its path and turns off
the injected style (the few rules it held are in static/css/template_editor.css)."""

import json

from django import forms
from django.forms.widgets import Script
from django_prose_editor.config import expand_extensions

# What the editor offers; documents/sanitize.py allows the same markup (and no more).
EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Heading": {"levels": [1, 2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "Image": True,
    "HTML": True,
}

EDITOR_CSS = [
    "django_prose_editor/material-icons.css",
    "django_prose_editor/editor.css",
    "css/template_editor.css",
]


class TemplateBodyWidget(forms.Textarea):
    admin = False

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 24, **(attrs or {})})

    @property
    def media(self):
        css = [*EDITOR_CSS, "django_prose_editor/overrides.css"] if self.admin else EDITOR_CSS
        return forms.Media(
            css={"all": css},
            # The Russian labels first: the editor reads window.gettext when it loads.
            js=[
                "js/prose_editor_ru.js",
                Script("js/template_editor.js", type="module"),
                "js/tag_palette.js",
            ],
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        config = {"extensions": expand_extensions(EXTENSIONS)}
        context["widget"]["attrs"]["data-template-editor"] = json.dumps(
            config, separators=(",", ":")
        )
        return context

    def use_required_attribute(self, initial):
        # The textarea is hidden behind the editor: a browser could not show its message.
        return False


class AdminTemplateBodyWidget(TemplateBodyWidget):
    admin = True
