-- Turns the consent log at KEYS[1] into a LIST if it is a STREAM written
-- by an earlier version (consent_log.lua): what `candor migrate` runs.
-- Returns 1 when it did.
if toList(KEYS[1]) then return 1 end
return 0
