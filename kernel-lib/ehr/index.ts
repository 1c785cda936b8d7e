/** PhysioNet 2012 ICU records: parsing, loading, cleaning, hourly grids, normalisation and splits. */
export * from './variables';
export * from './physionet-record';
export * from './physionet-loader';
export * from './cleaning';
export * from './hourly-grid';
export * from './normalisation';
export * from './split';
