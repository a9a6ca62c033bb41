import { describe, expect, it } from 'vitest'
import { applyMention, mentionQuery, segments, suggest } from './mentions'

describe('mentionQuery', () => {
  it('finds the word after @ at the caret, at the start or after a space', () => {
    expect(mentionQuery('@al', 3)).toEqual({ start: 0, query: 'al' })
    expect(mentionQuery('hi @bo', 6)).toEqual({ start: 3, query: 'bo' })
    expect(mentionQuery('hi @', 4)).toEqual({ start: 3, query: '' })
  })

  it('ignores e-mail addresses and text after the word', () => {
    expect(mentionQuery('mail a@b', 8)).toBeNull()
    expect(mentionQuery('@al ', 4)).toBeNull()
  })
})

describe('suggest', () => {
  const members = [
    { username: 'alice', display_name: 'Alice' },
    { username: 'bob', display_name: 'Al Bundy' },
    { username: 'carol', display_name: '王芳' },
  ]
  it('matches usernames first, then display names, any case', () => {
    expect(suggest(members, 'AL').map((m) => m.username)).toEqual(['alice', 'bob'])
    expect(suggest(members, '王').map((m) => m.username)).toEqual(['carol'])
    expect(suggest(members, '')).toHaveLength(3)
    expect(suggest(members, '', 2)).toHaveLength(2)
  })
})

it('applyMention replaces the query and puts the caret after the space', () => {
  expect(applyMention('hi @al and', 3, 6, 'alice')).toEqual({ text: 'hi @alice  and', caret: 10 })
})

it('segments marks @username runs only', () => {
  expect(segments('hi @alice, mail a@b.c @x')).toEqual([
    { text: 'hi ', mention: false },
    { text: '@alice', mention: true },
    { text: ', mail a@b.c @x', mention: false },
  ])
})
