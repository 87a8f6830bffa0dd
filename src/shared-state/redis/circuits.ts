// Circuit-breaker state shared through Redis: outcomes are written through atomically (Lua) and
// every replica re-reads all circuits on a short timer, so a circuit one replica opens is soon open
// on all of them while `isOpen` stays a synchronous in-process lookup.
import type {
  CircuitFailure,
  CircuitStateStore,
  SharedCircuitEntry,
  SharedCircuitState,
} from '../circuits.js';
import type { RedisConnection } from './connection.js';
import { LuaScript, luaNowMs } from './lua-script.js';

const circuitsKey = 'circuits';
/** Circuits untouched for a day are forgotten. */
const retentionMs = 24 * 60 * 60 * 1000;
const separator = '\u0000';

// Each field of the hash is `channel\0model` → `failures,openedAt,lastErrorAt,lastErrorClass`.
const parseState = `local function parse(raw)
  if not raw then return 0, nil, nil, '' end
  local failures, openedAt, errorAt, errorClass = string.match(raw, '^(%d+),(%d*),(%d*),(.*)$')
  return tonumber(failures), tonumber(openedAt), tonumber(errorAt), errorClass
end
local function age(at) if at then return now - at end return -1 end`;

const recordFailureScript = new LuaScript(`${luaNowMs}
${parseState}
local failures, openedAt, errorAt, errorClass = parse(redis.call('HGET', KEYS[1], ARGV[1]))
failures = failures + 1
errorAt = now
errorClass = ARGV[2]
if ARGV[3] == '1' or failures >= tonumber(ARGV[4]) then openedAt = now end
redis.call('HSET', KEYS[1], ARGV[1], failures .. ',' .. (openedAt or '') .. ',' .. errorAt .. ',' .. errorClass)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {failures, age(openedAt), age(errorAt), errorClass}`);

const recordSuccessScript = new LuaScript(`${luaNowMs}
${parseState}
local failures, openedAt, errorAt, errorClass = parse(redis.call('HGET', KEYS[1], ARGV[1]))
redis.call('HSET', KEYS[1], ARGV[1], '0,,' .. (errorAt or '') .. ',' .. errorClass)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {0, -1, age(errorAt), errorClass}`);

const readAllScript = new LuaScript(`${luaNowMs}
${parseState}
local entries = redis.call('HGETALL', KEYS[1])
local result = {}
for index = 1, #entries, 2 do
  local failures, openedAt, errorAt, errorClass = parse(entries[index + 1])
  table.insert(result, {entries[index], failures, age(openedAt), age(errorAt), errorClass})
end
return result`);

type ScriptState = [number, number, number, string];

function toShared([failures, openedAgo, errorAgo, errorClass]: ScriptState): SharedCircuitState {
  return {
    consecutiveFailures: failures,
    openedAgoMs: openedAgo < 0 ? undefined : openedAgo,
    lastErrorAgoMs: errorAgo < 0 ? undefined : errorAgo,
    lastErrorClass: errorClass === '' ? undefined : errorClass,
  };
}

export class RedisCircuitStore implements CircuitStateStore {
  constructor(private readonly connection: RedisConnection) {}

  async recordFailure(channel: string, model: string, failure: CircuitFailure): Promise<SharedCircuitState> {
    const result = await recordFailureScript.run(
      this.connection.client,
      [circuitsKey],
      [
        `${channel}${separator}${model}`,
        failure.errorClass.replaceAll(',', ' '),
        failure.wasProbe ? '1' : '0',
        failure.failureThreshold,
        retentionMs,
      ],
    );
    return toShared(result as ScriptState);
  }

  async recordSuccess(channel: string, model: string): Promise<SharedCircuitState> {
    const result = await recordSuccessScript.run(
      this.connection.client,
      [circuitsKey],
      [`${channel}${separator}${model}`, retentionMs],
    );
    return toShared(result as ScriptState);
  }

  async readAll(): Promise<SharedCircuitEntry[]> {
    const rows = (await readAllScript.run(this.connection.client, [circuitsKey], [])) as Array<
      [string, ...ScriptState]
    >;
    return rows.map(([field, ...state]) => {
      const [channel, model] = field.split(separator);
      return { channel, model, ...toShared(state) };
    });
  }
}
