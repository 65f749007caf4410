/** Registers every built-in data set (each file registers itself). */
import './ade20k';
import './camvid';
import './cityscapes';
import './context';
import './voc';
