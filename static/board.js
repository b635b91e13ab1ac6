// The dispatch board's enhancements (live plan progress).
