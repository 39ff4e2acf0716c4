/** The repository root. */
export declare const ROOT: string;
/** Bundles `entry` (relative to the repository root) into one ESM file; returns its path. */
export declare function bundle(entry: string, options?: { outDir?: string; name?: string }): Promise<string>;
