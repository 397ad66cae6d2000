# One date and time style for English readers, the same on every page: "24 Nov 2026 09:30".
# Django's default English style ("Nov. 24, 2026, 9:30 a.m.") differed from the dates our
# own pages wrote; Chinese keeps Django's zh_Hans style ("2026年11月24日 09:30").
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
