export { type Collated, DataLoader, type DataLoaderOptions, defaultCollate } from './dataloader.js';
export { type Dataset, type RandomSplitOptions, randomSplit, Subset, TensorDataset } from './dataset.js';
export {
  gunzipIdx,
  IDX_MAX_HEADER_BYTES,
  IDX_MAX_RANK,
  type IdxArray,
  type IdxData,
  type IdxDType,
  type IdxHeader,
  idxToTensor,
  isGzip,
  parseIdxHeader,
  type ReadIdxOptions,
  readIdx,
  readIdxFile,
  type WriteIdxOptions,
  writeIdx,
} from './idx.js';
export {
  FASHION_MNIST_CLASSES,
  loadMnist,
  MNIST_CLASSES,
  MNIST_MEAN,
  MNIST_STD,
  type MnistData,
  type MnistNormalize,
  type MnistOptions,
  mnistDataDir,
} from './mnist.js';
export {
  type LinearOptions,
  type LogicGate,
  logicGate,
  type MoonsOptions,
  makeLinear,
  makeMoons,
  makeSpirals,
  type SpiralsOptions,
  type SyntheticData,
} from './synthetic.js';
export {
  BROWN_CATEGORIES,
  type BrownCorpus,
  type BrownDocument,
  type BrownOptions,
  brownCorpusDir,
  loadBrownCorpus,
  untagBrownSentence,
} from './text/brown.js';
export {
  loadNames,
  type NamesOptions,
  type NamesSplit,
  namesDataFiles,
  pythonShuffledOrder,
} from './text/names.js';
export {
  type ContextExamples,
  contextWindows,
  sequenceBatches,
  TextDataset,
  type Tokens,
} from './text/sequence.js';
export { loadTextFile } from './text/text-file.js';
export { CharTokenizer, type CharTokenizerOptions } from './text/tokenizer.js';
