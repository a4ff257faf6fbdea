"""Hostile bodies reach past validation into every route with a JSON body."""
