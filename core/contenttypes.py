"""Moving a model between apps without losing what points at it: its content type row
is renamed, so permissions given to groups, admin log entries and generic references
follow the model to its new app."""


def move_content_types(old_app: str, new_app: str, models: list[str]):
    """A RunPython forward function renaming the content types of ``models`` (lower-case
    model names) from ``old_app`` to ``new_app``."""

    def forward(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        using = schema_editor.connection.alias
        for model in models:
            old = ContentType.objects.using(using).filter(app_label=old_app, model=model).first()
            if old is None:
                continue  # a fresh database: the new app's content type is made after migrating
            # A content type the new app may already have (created by an earlier run of
            # post_migrate) holds no permissions worth keeping; the old one does.
            ContentType.objects.using(using).filter(app_label=new_app, model=model).delete()
            old.app_label = new_app
            old.save(using=using, update_fields=["app_label"])

    def backward(apps, schema_editor):
        move_content_types(new_app, old_app, models)[0](apps, schema_editor)

    return forward, backward
