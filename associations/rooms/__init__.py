"""Rooms: the town's rooms, their calendars, one-off and weekly bookings, approval, invoices and deposits
through the régie, iCalendar feeds."""
