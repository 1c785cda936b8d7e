/**
 * Privacy measurement and accounting for synthetic data: nearest-neighbour distances (DCR),
 * membership and attribute inference attacks, the RDP accountant of the sampled Gaussian
 * mechanism, noise calibration and DP-SGD building blocks.
 */
export * from './records';
export * from './percentile';
export * from './nearest-neighbours';
export * from './dcr';
export * from './gaussian-kde';
export * from './membership-inference';
export * from './attribute-inference';
export * from './dp-parameters';
export * from './sampled-gaussian-rdp';
export * from './rdp-accountant';
export * from './calibrate-noise';
export * from './dp-sgd';
