/** The Node flags every Herald service runs with; see service-node-options.mjs. */
export declare const SERVICE_NODE_OPTIONS: readonly string[];
/** Environment every Herald service runs with (glibc's malloc arenas); see the .mjs. */
export declare const SERVICE_ENV: Readonly<Record<string, string>>;
