-- PIN calls (docs/BILLING.md "PIN codes"): the code's number and owner a
-- call was billed to; '' for calls without a PIN (NULL for the rows a box
-- queued before it knew of PIN codes).
ALTER TABLE tarifador.cdrs ADD COLUMN IF NOT EXISTS pin_id TEXT DEFAULT '';
ALTER TABLE tarifador.cdrs ADD COLUMN IF NOT EXISTS pin_owner TEXT DEFAULT '';
