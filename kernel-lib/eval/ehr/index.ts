/**
 * Fidelity of synthetic ICU trajectories given as hourly grids: marginal distances (W1, KS),
 * correlation of patient means, missingness, autocorrelation and the report combining them.
 */
export * from './marginals';
export * from './correlation';
export * from './missingness';
export * from './autocorrelation';
export * from './fidelity-report';
