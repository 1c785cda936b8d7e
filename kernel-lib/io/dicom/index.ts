/**
 * DICOM input and output: read single-frame grayscale images, write synthetic images as
 * Secondary Capture, load class folders of DICOM files, and create UIDs.
 */
export * from './uid';
export * from './read-dicom';
export * from './write-dicom';
export * from './dicom-folder';
