-- Scale-out without coordination: each of N instances keeps the targets
-- that rendezvous (highest random weight) hashing gives it.
--
--   moonwalk run --shard 2/4 poller.lua       (or MOONWALK_SHARD=2/4)
--   if mw.shard(target) then ... end          is target ours?
--   mw.shard.filter(list [, keyfn])           the part of list that is ours
--   mw.shard.owner(key, n) -> 0..n-1          who owns key among n
--   mw.shard.owner_of(key, ids) -> id         who owns key among named
--                                             instances (the cluster's
--                                             live set, moonwalk.cluster)
--
-- With a cluster (moonwalk run --cluster, mw.cluster{...}) mw.shard(key)
-- follows the cluster's live member set instead of the fixed K/N.
--
-- Instances are numbered 0..N-1. For every key each instance gets a score
-- hash(key, instance); the highest score owns the key. Going from N to N+1
-- instances moves only the keys the new instance wins (about 1/(N+1) of
-- them) and going from N to N-1 moves only the keys of the instance that
-- left: nothing else changes hands.
local M = {}

local K, N = 0, 1

-- 64-bit FNV-1a over the key, then the splitmix64 finaliser over the key
-- hash mixed with the instance number (Lua integers wrap, as wanted).
local FNV_OFFSET = -3750763034362895579 -- 0xcbf29ce484222325
local FNV_PRIME = 1099511628211

local function fnv1a(s)
  local h = FNV_OFFSET
  for i = 1, #s do
    h = (h ~ s:byte(i)) * FNV_PRIME
  end
  return h
end

local function mix(z)
  z = z + -7046029254386353131 -- 0x9e3779b97f4a7c15
  z = (z ~ (z >> 30)) * -4658895280553007687 -- 0xbf58476d1ce4e5b9
  z = (z ~ (z >> 27)) * -7723592293110705685 -- 0x94d049bb133111eb
  return z ~ (z >> 31)
end

local function score(keyhash, i)
  return mix(keyhash ~ mix(i))
end
M.score = function(key, i) return score(fnv1a(tostring(key)), i) end

-- owner(key, n) -> the instance (0..n-1) that owns key among n
function M.owner(key, n)
  n = n or N
  if math.type(n) ~= "integer" or n < 1 then error("shard count must be an integer >= 1", 2) end
  local h = fnv1a(tostring(key))
  local best, besti = nil, 0
  for i = 0, n - 1 do
    local s = score(h, i)
    if best == nil or math.ult(best, s) then best, besti = s, i end
  end
  return besti
end

-- owner_of(key, ids) -> the id of the list that owns key. Instances are
-- named (a cluster member's id) and scored by the hash of their name: the
-- same rendezvous rule, so a member joining takes only the keys it wins
-- and one leaving gives away only its own.
local id_hashes = {} -- id -> hash (a cluster has few members)
local function id_hash(id)
  local h = id_hashes[id]
  if not h then
    h = fnv1a(tostring(id))
    id_hashes[id] = h
  end
  return h
end

function M.owner_of(key, ids)
  local h = fnv1a(tostring(key))
  local best, bestid = nil, nil
  for _, id in ipairs(ids) do
    local s = score(h, id_hash(id))
    if best == nil or math.ult(best, s) or (s == best and id < bestid) then best, bestid = s, id end
  end
  return bestid
end

-- follow(view) / follow(nil): view:owns(key) decides mine() from now on,
-- instead of K/N (a cluster's view: moonwalk.cluster).
local follow
function M.follow(view) follow = view end
function M.following() return follow end

-- parse("K/N") -> k, n   (0 <= K < N)
function M.parse(spec)
  local k, n = tostring(spec):match("^%s*(%d+)%s*/%s*(%d+)%s*$")
  k, n = tonumber(k), tonumber(n)
  if not k or n < 1 or k >= n then
    return nil, string.format("bad shard %q: expected K/N with 0 <= K < N (instances are numbered from 0)", tostring(spec))
  end
  return math.tointeger(k), math.tointeger(n)
end

-- set(k, n) or set("K/N"): this instance's place.
function M.set(k, n)
  if n == nil then
    local kk, nn = M.parse(k)
    if not kk then error(nn, 2) end
    k, n = kk, nn
  end
  if math.type(k) ~= "integer" or math.type(n) ~= "integer" or n < 1 or k < 0 or k >= n then
    error("shard needs 0 <= k < n", 2)
  end
  K, N = k, n
end

-- config() -> k, n
function M.config() return K, N end

-- mine(key) -> true when this instance owns key
function M.mine(key)
  if follow then return follow:owns(key) end
  if N == 1 then return true end
  return M.owner(key, N) == K
end

-- filter(list [, keyfn]) -> the entries of list this instance owns, in order.
-- keyfn(entry) gives the key (default: the entry itself, or entry.peer /
-- entry.host / entry.name for tables).
local function default_key(e)
  if type(e) == "table" then return e.key or e.peer or e.host or e.name or e[1] end
  return e
end

function M.filter(list, keyfn)
  keyfn = keyfn or default_key
  local out = {}
  for _, e in ipairs(list) do
    if M.mine(keyfn(e)) then out[#out + 1] = e end
  end
  return out
end

local env = os.getenv("MOONWALK_SHARD")
if env and env ~= "" then
  local k, n = M.parse(env)
  if k then K, N = k, n end
end

return setmetatable(M, { __call = function(_, key) return M.mine(key) end })
