/** Safety limits of one render (runaway templates stop with NOETL_E_TEMPLATE_LIMIT). */
export const LIMITS = { maxItems: 1_000_000, maxOutput: 16 * 1024 * 1024, maxLoopSteps: 2_000_000 };
