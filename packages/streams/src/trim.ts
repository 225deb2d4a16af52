import type { Redis } from 'ioredis';

/** What one trim did. */
export interface TrimResult {
  /** The MINID trimmed to; undefined when the stream or its groups do not exist. */
  minId: string | undefined;
  /** Entries removed. */
  trimmed: number;
}

// One script, so no group can read, claim or ack between finding the floor and trimming
// to it. Per group the floor is its oldest pending entry, or, with nothing pending, its
// last-delivered id (everything after it is still undelivered to that group). The stream
// is trimmed to the lowest floor of all groups, so no group loses an entry it has not
// acknowledged. Without groups nothing is known to be done: no trim.
const TRIM_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local function older(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  if tonumber(ams) ~= tonumber(bms) then return tonumber(ams) < tonumber(bms) end
  return tonumber(aseq) < tonumber(bseq)
end
local floor = nil
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
  local bound = info['last-delivered-id']
  if info['pending'] > 0 then
    bound = redis.call('XPENDING', KEYS[1], info['name'])[2]
  end
  if floor == nil or older(bound, floor) then floor = bound end
end
if floor == nil then return false end
local trimmed
if ARGV[1] == 'exact' then
  trimmed = redis.call('XTRIM', KEYS[1], 'MINID', floor)
else
  trimmed = redis.call('XTRIM', KEYS[1], 'MINID', '~', floor)
end
return { floor, trimmed }
`;

/**
 * Trims `stream` with `XTRIM MINID` to the oldest entry any consumer group still needs:
 * never past an entry that is pending in some group or not yet delivered to it.
 * Approximate by default (`MINID ~`): Redis then removes only whole internal nodes, which
 * is cheap and keeps at least what exact trimming keeps. Safe to call from every
 * replica at any time.
 */
export async function trimStream(
  redis: Redis,
  stream: string,
  { exact = false }: { exact?: boolean } = {},
): Promise<TrimResult> {
  const reply = await redis.eval(TRIM_SCRIPT, 1, stream, exact ? 'exact' : 'approximate');
  if (!Array.isArray(reply)) return { minId: undefined, trimmed: 0 };
  return { minId: String(reply[0]), trimmed: Number(reply[1]) };
}
