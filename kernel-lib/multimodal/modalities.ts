/**
 * Modalities of a multimodal example and the data layout shared by the fusion encoders,
 * trainer and evaluation. To add a modality (an image, a report), list it in MODALITIES, give it an
 * encoder in encoders.ts and write a builder of its arrays. The fusion code loops over the list.
 */
import { EhrSplit } from '../ehr/prepare-ehr-data';
import { NUM_STATIC_FEATURES } from '../ehr/static-features';

export const MODALITIES = ['timeSeries', 'descriptors'] as const;
export type Modality = (typeof MODALITIES)[number];

/** One modality's inputs for a set of examples. */
export interface ModalityArrays {
  /** [examples, ...exampleShape], row-major, finite (missing cells already filled). */
  values: Float32Array;
  /** Shape of one example's input, such as [hours, 2 · variables]. */
  exampleShape: number[];
  /** [examples]; 1 where the example has this modality, 0 where it is truly missing. */
  presence: Uint8Array;
}

/** Examples with labels and the arrays of each modality they may have. */
export interface MultimodalDataset {
  count: number;
  /** [examples], 0 or 1. */
  labels: Int32Array;
  modalities: Partial<Record<Modality, ModalityArrays>>;
}

/** Throws unless `name` is one of MODALITIES. */
export function checkModality(functionName: string, name: string): asserts name is Modality {
  if (!(MODALITIES as readonly string[]).includes(name)) {
    throw new Error(`${functionName}: unknown modality '${name}'; valid modalities: ${MODALITIES.join(', ')}`);
  }
}

/** Values per example of one modality: the product of its example shape. */
export function exampleSize(arrays: ModalityArrays): number {
  return arrays.exampleShape.reduce((a, b) => a * b, 1);
}

/**
 * Builds the two PhysioNet 2012 modalities of one split.
 *
 * timeSeries: [patients, hours, 2 · variables]. The first `variables` channels are the
 * standardised hourly values, where an unmeasured cell is filled with 0, the training mean
 * in z-score units. The last `variables` channels are the observed mask (1 measured, 0 not), so
 * the encoder can tell a filled 0 from a measured mean. A patient without any measurement in
 * the grid has the modality missing.
 *
 * descriptors: [patients, NUM_STATIC_FEATURES], the static features of the split
 * (age z-score, sex ±1, ICU type one-hot ±1). A patient whose Age, Gender and ICUType are all
 * unknown has the modality missing.
 */
export function buildEhrMultimodalDataset(split: EhrSplit): MultimodalDataset {
  const [patients, hours, variables] = split.normalised.shape;
  const timeValues = new Float32Array(patients * hours * 2 * variables);
  const timePresence = new Uint8Array(patients);
  for (let p = 0; p < patients; p++) {
    for (let h = 0; h < hours; h++) {
      const source = (p * hours + h) * variables;
      const target = (p * hours + h) * 2 * variables;
      for (let v = 0; v < variables; v++) {
        const value = split.normalised.values[source + v];
        const observed = split.normalised.mask[source + v];
        timeValues[target + v] = Number.isNaN(value) ? 0 : value;
        timeValues[target + variables + v] = observed;
        if (observed === 1) timePresence[p] = 1;
      }
    }
  }

  const descriptorPresence = Uint8Array.from(split.descriptors, (d) => (d.Age !== null || d.Gender !== null || d.ICUType !== null ? 1 : 0));
  return {
    count: patients,
    labels: Int32Array.from(split.labels),
    modalities: {
      timeSeries: { values: timeValues, exampleShape: [hours, 2 * variables], presence: timePresence },
      descriptors: { values: Float32Array.from(split.staticFeatures), exampleShape: [NUM_STATIC_FEATURES], presence: descriptorPresence },
    },
  };
}
