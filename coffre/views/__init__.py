"""The vault's pages: `citizen` (Mon espace › Mon coffre-fort), `agent` (/agent/coffre/), `public`."""
