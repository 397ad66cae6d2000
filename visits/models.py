# Field visits (FieldVisit and its state machine) arrive with the field-visit issue.
