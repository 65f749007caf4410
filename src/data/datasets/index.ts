/** Registers every built-in data set (each file registers itself). */
import './camvid';
import './context';
import './voc';
