/**
 * Types for the parts of dcmjs 0.52.2 that medsynth uses; the package ships none.
 * Written from the package's build/dcmjs.js, not from an official declaration.
 */
declare module 'dcmjs' {
  /** One data element as dcmjs stores it: its value representation and values. */
  export interface DicomElement {
    vr: string;
    Value?: unknown[];
  }

  /** Data elements keyed by tag as eight upper-case hex digits, for example '7FE00010'. */
  export type DicomElementDict = Record<string, DicomElement>;

  /**
   * A data set keyed by DICOM keyword ('Rows', 'PixelData', …). `_vrMap` names the VR of
   * elements whose VR the dictionary leaves open, such as `{ PixelData: 'OW' }`.
   */
  export type NaturalizedDataset = Record<string, unknown> & { _vrMap?: Record<string, string> };

  export interface ReadFileOptions {
    ignoreErrors?: boolean;
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }

  export interface WriteOptions {
    allowInvalidVRLength?: boolean;
    fragmentMultiframe?: boolean;
  }

  export namespace data {
    /** A Part 10 file: the file meta group and the data set. */
    class DicomDict {
      constructor(meta: DicomElementDict);
      meta: DicomElementDict;
      dict: DicomElementDict;
      /** Encodes preamble, 'DICM', meta group and data set in the meta group's transfer syntax. */
      write(options?: WriteOptions): ArrayBuffer;
    }

    class DicomMessage {
      /** Parses a Part 10 file; throws when the 'DICM' marker or the meta group is missing. */
      static readFile(buffer: ArrayBuffer, options?: ReadFileOptions): DicomDict;
    }

    class DicomMetaDictionary {
      static naturalizeDataset(dict: DicomElementDict): NaturalizedDataset;
      static denaturalizeDataset(dataset: NaturalizedDataset): DicomElementDict;
    }
  }

  /** The loglevel (1.9) logger that dcmjs writes its warnings to. */
  export interface LoglevelLogger {
    methodFactory: (methodName: string, level: number, loggerName: string | symbol) => (...message: unknown[]) => void;
    rebuild(): void;
    getLogger(name: string): LoglevelLogger;
    getLevel(): number;
    setLevel(level: string | number, persist?: boolean): void;
  }

  export const log: LoglevelLogger;
}
