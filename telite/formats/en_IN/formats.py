# Dates as Indian shops write them: 24 Nov 2026, 24/11/2026; times on the 12-hour clock
# (2:05 PM), everywhere: on screen, on the bill and on the intake slip.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, g:i A"
TIME_FORMAT = "g:i A"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y g:i A"
FIRST_DAY_OF_WEEK = 1
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d/%m/%y"]
# Typed times: "2:05 PM" as shown everywhere (first: the admin's time boxes and its "Now"
# button write that form), and the 24-hour clock still understood.
TIME_INPUT_FORMATS = ["%I:%M %p", "%I:%M%p", "%H:%M:%S", "%H:%M"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %I:%M %p",
    "%d/%m/%Y %I:%M %p",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = (3, 2, 0)
