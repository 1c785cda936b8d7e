import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { markdownText } from '../../kernel-lib/util/markdown';

test('markdownText turns HTML specials into entities', () => {
  assert.is(markdownText('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
  assert.is(markdownText(`a & "b" 'c'`), 'a &amp; &quot;b&quot; &#39;c&#39;');
});

test('markdownText keeps a table cell one cell and one line', () => {
  assert.is(markdownText('left | right'), 'left \\| right');
  assert.is(markdownText('two\nlines\r\n  here'), 'two lines here');
});

test('markdownText leaves plain names unchanged', () => {
  assert.is(markdownText('no finding'), 'no finding');
  assert.is(markdownText('real+synthetic'), 'real+synthetic');
});

test.run();
