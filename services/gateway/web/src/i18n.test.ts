import { describe, expect, it } from 'vitest'
import { formatSize, locale, messages, pickLocale, t } from './i18n'

describe('i18n', () => {
  it('has every key in both languages, with the same placeholders', () => {
    const en = messages.en as Record<string, string>
    const zh = messages.zh as Record<string, string>
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort())
    const holes = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort()
    for (const k of Object.keys(en)) expect(holes(zh[k]), k).toEqual(holes(en[k]))
  })

  it('picks the browser language we have, else English', () => {
    expect(pickLocale(['zh-CN', 'en'])).toBe('zh')
    expect(pickLocale(['fr-FR', 'en-GB'])).toBe('en')
    expect(pickLocale(['de'])).toBe('en')
  })

  it('fills placeholders in the current language', () => {
    locale.value = 'zh'
    expect(t('typing_one', { name: '小明' })).toBe('小明 正在输入…')
    locale.value = 'en'
    expect(t('typing_one', { name: 'Ann' })).toBe('Ann is typing…')
    expect(formatSize(1536)).toBe('1.5 KiB')
  })
})
