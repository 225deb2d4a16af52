import { BoolEnv, MsEnv, workerEnvShape } from '@herald/runtime';
import { z } from 'zod';

export const EnricherEnv = z
  .object({
    ...workerEnvShape,
    OPS_PORT: workerEnvShape.OPS_PORT.default(9101),
    // Wazuh server API: optional; without it agent details come from the alert alone.
    WAZUH_API_URL: z.string().url({ message: 'must be a URL such as https://wazuh:55000' }).optional(),
    WAZUH_API_USER: z.string().optional(),
    WAZUH_API_PASSWORD: z.string().optional(),
    /** PEM file of the CA that signed the API's certificate (Wazuh ships a self-signed one). */
    WAZUH_API_CA_FILE: z.string().optional(),
    /** Skips certificate verification: an explicit, logged opt-out for lab installs. */
    WAZUH_API_INSECURE: BoolEnv.default(false),
    WAZUH_API_TIMEOUT_MS: MsEnv.default(5_000), // 5 s per request
    /** The config file; its `inventory:` gives criticality, owner and team per machine. */
    HERALD_CONFIG: z.string().min(1).optional(),
    // Agent details shared by replicas in Redis: reused this long, and an agent the API
    // does not know for the shorter time (it may be enrolled any minute).
    HERALD_AGENT_CACHE_TTL_MS: MsEnv.min(1).default(300_000), // 5 min
    HERALD_AGENT_CACHE_UNKNOWN_TTL_MS: MsEnv.min(1).default(60_000), // 1 min
  })
  .superRefine((env, ctx) => {
    if (env.WAZUH_API_URL && (!env.WAZUH_API_USER || !env.WAZUH_API_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.WAZUH_API_USER ? 'WAZUH_API_PASSWORD' : 'WAZUH_API_USER'],
        message: 'is required when WAZUH_API_URL is set (the API user Herald logs in as)',
      });
    }
  });

export type EnricherEnv = z.output<typeof EnricherEnv>;
