// The connection pools every upstream call goes through. Each call names its dispatcher: on Node 24
// undici's global dispatcher is Node's own bundled copy, which cannot send this undici's FormData.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent } from 'undici';

/** Channels' upstreams and the Vertex token endpoint: trusted hosts from the configuration. */
export const upstreamAgent = new Agent();

type LookupCallback = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;

/**
 * A DNS lookup that fails for any name resolving to a refused address, used for the connection
 * itself: a name checked once and resolved again at connect time could be rebound in between.
 */
export function refusingLookup(refused: (address: string) => boolean) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const bad = addresses.find((entry) => refused(entry.address));
      if (bad) {
        const refusal: NodeJS.ErrnoException = new Error(`${hostname} resolves to a refused address`);
        refusal.code = 'EREFUSEDADDRESS';
        return callback(refusal, []);
      }
      callback(null, addresses);
    });
  };
}
