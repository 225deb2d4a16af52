/** The Node flags every Herald service runs with; see service-node-options.mjs. */
export declare const SERVICE_NODE_OPTIONS: readonly string[];
