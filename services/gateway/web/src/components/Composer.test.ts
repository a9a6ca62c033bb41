// The composer as a person uses it: Enter sends, Shift+Enter does not; @ suggests members
// and Enter picks one instead of sending.
import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import Composer from './Composer.vue'
import { state } from '../store'

const members = [
  { username: 'alice', display_name: 'Alice' },
  { username: 'albert', display_name: 'Albert' },
]

describe('Composer', () => {
  beforeEach(() => {
    state.pending = []
    state.me = { id: 1, username: 'me', display_name: 'Me', role: 'user', created_at: '' }
  })

  it('sends on Enter, keeps a new line on Shift+Enter', async () => {
    const w = mount(Composer, { props: { conversationId: 5, members, replyTo: null } })
    const box = w.get('textarea')
    await box.setValue('hello')
    await box.trigger('keydown', { key: 'Enter', shiftKey: true })
    expect(state.pending).toHaveLength(0)
    await box.trigger('keydown', { key: 'Enter' })
    expect(state.pending).toHaveLength(1)
    expect(state.pending[0]).toMatchObject({ conversation_id: 5, type: 'text', content: 'hello' })
    expect((box.element as HTMLTextAreaElement).value).toBe('')
  })

  it('completes @mentions with the keyboard instead of sending', async () => {
    const w = mount(Composer, { props: { conversationId: 5, members, replyTo: null }, attachTo: document.body })
    const box = w.get('textarea')
    const el = box.element as HTMLTextAreaElement
    await box.setValue('hi @al')
    el.setSelectionRange(6, 6)
    await box.trigger('input')
    expect(w.findAll('[data-testid="mention-list"] li').map((li) => li.text())).toEqual(['Alice @alice', 'Albert @albert'])
    await box.trigger('keydown', { key: 'ArrowDown' })
    await box.trigger('keydown', { key: 'Enter' })
    expect(el.value).toBe('hi @albert ')
    expect(state.pending).toHaveLength(0)
    w.unmount()
  })

  it('does not send empty text', async () => {
    const w = mount(Composer, { props: { conversationId: 5, members, replyTo: null } })
    await w.get('textarea').setValue('   ')
    await w.get('textarea').trigger('keydown', { key: 'Enter' })
    expect(state.pending).toHaveLength(0)
  })
})
