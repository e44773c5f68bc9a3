-- Consent evaluation, mirrored from consent.Evaluate rule by rule (a
-- property test holds the two to the same answers). Prepended to every
-- script that reads or writes personal data. The caller passes, as
-- ARGV[1..4]: now (Unix ms), the live policy version, the maximum age of a
-- grant (ms), GPC (0 or 1).
local NOW, LIVE, MAXAGE, GPC = tonumber(ARGV[1]), math.max(tonumber(ARGV[2]), 1), tonumber(ARGV[3]), ARGV[4] == '1'
local SOURCES = {preference_centre = true, cmp = true, api = true, gpc = true, import = true}
local MAXMS, MAXPOLICY = 253402300799999, 2147483647

-- canonical parses a whole number without sign or leading zeros (as
-- consent.DecodeRecord does); nil when malformed.
local function canonical(s)
  if #s == 0 or #s > 15 or (#s > 1 and string.sub(s, 1, 1) == '0') then return nil end
  local n = tonumber(s)
  if not n or n > MAXMS then return nil end
  return n
end

-- parse returns state, time, expiry, policy of a well-formed record, or
-- nil: a malformed record counts as no record (fail closed).
local function parse(rec)
  local st, t, e, p, src = string.match(rec, '^([gd])|(%d+)|(%d+)|(%d+)|([a-z_]+)$')
  if not st or not SOURCES[src] then return nil end
  t, e, p = canonical(t), canonical(e), canonical(p)
  if not t or not e or not p or t < 1 or p < 1 or p > MAXPOLICY then return nil end
  return st, t, e, p
end

-- reason returns '' when the record grants its scope, else why not:
-- gpc, no_record, denied, expired or reconsent_needed (in that order).
local function reason(scope, rec)
  if scope == 'sale_share' and GPC then return 'gpc' end
  if not rec then return 'no_record' end
  local st, t, e, p = parse(rec)
  if not st then return 'no_record' end
  if st ~= 'g' then return 'denied' end
  local untl = t + MAXAGE
  if e > 0 and e < untl then untl = e end
  if NOW >= untl then return 'expired' end
  if p < LIVE then return 'reconsent_needed' end
  return ''
end
