"""Domain services: plain functions taking `*, session` (and the actor and the clock); they flush, never commit."""
