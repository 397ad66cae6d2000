"""The desk's tables: the dashboard's daily snapshots (kpi_models.py)."""

from .kpi_models import ActivitySnapshot, BookSnapshot, BucketMove, CaseBucket, SnapshotDay  # noqa: F401
