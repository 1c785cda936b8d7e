import * as fs from 'fs';
import * as path from 'path';
import { SPLIT_NAMES, SplitName } from './image-dataset';

/** Layout of a folder-per-class dataset: one folder per split, with class folders inside. */
export interface ClassFolderLayout {
  rootPath: string;
  /** Folder of each split present; `train` is the root itself when there are no split folders. */
  splitFolders: Partial<Record<SplitName, string>>;
  /** Class folder names of the train split, sorted by code unit. */
  classNames: string[];
}

/**
 * Finds the layout `root/<className>/*.<ext>` (everything in the train split) or
 * `root/{train,val,test}/<className>/*.<ext>`. `caller` starts error messages, and `files`
 * names the images, such as 'PNG images' or 'DICOM files'; `pattern` shows the file names.
 */
export function findClassFolders(caller: string, root: string, files: string, pattern: string): ClassFolderLayout {
  const rootPath = path.resolve(root);
  if (!fs.existsSync(rootPath) || !fs.statSync(rootPath).isDirectory()) {
    throw new Error(`${caller}: folder not found: ${rootPath}; expected root/<className>/${pattern} or root/{train,val,test}/<className>/${pattern}`);
  }

  // Split folders if `train/` exists, otherwise class folders directly under the root.
  const topFolders = listSubfolders(rootPath);
  const splitFolders: Partial<Record<SplitName, string>> = {};
  if (topFolders.includes('train')) {
    const others = topFolders.filter((folder) => !(SPLIT_NAMES as readonly string[]).includes(folder));
    if (others.length > 0) {
      throw new Error(
        `${caller}: ${rootPath} has a 'train' folder and also ${JSON.stringify(others)}; ` +
          'put class folders either all directly under the root or all under train/, val/ and test/',
      );
    }
    for (const splitName of SPLIT_NAMES) {
      if (topFolders.includes(splitName)) splitFolders[splitName] = path.join(rootPath, splitName);
    }
  } else {
    splitFolders.train = rootPath;
  }

  const classNames = listSubfolders(splitFolders.train as string);
  if (classNames.length === 0) {
    throw new Error(`${caller}: no class folders in ${splitFolders.train}; expected one folder of ${files} per class`);
  }
  return { rootPath, splitFolders, classNames };
}

/** Lists the names of non-hidden subfolders, sorted by code unit. */
export function listSubfolders(folder: string): string[] {
  const entries = fs.readdirSync(folder, { withFileTypes: true });
  return sortedNames(entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name));
}

/** Sorts by UTF-16 code units, not locale, so the order is the same on every machine. */
export function sortedNames(names: string[]): string[] {
  return [...names].sort(compareCodeUnits);
}

function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
