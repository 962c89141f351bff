/**
 * Paths by the rules of the platform rclone runs on, checked here on Linux: on Windows a drive letter or a UNC path
 * is local, names compare without case and `\` separates folders; elsewhere `C:` is a remote's name, and validation
 * can say so before rclone fails with "didn't find section in config file".
 */
import { describe, expect, it } from 'vitest'
import { localPath, type PlaceContext, placeKey, placeOf, relate } from '../src/places/place.js'
import { PlaceIndex } from '../src/places/place-index.js'
import { splitRemote, windowsPathWarning } from '../src/places/rclone-path.js'
import { remoteLookup } from '../src/places/remotes.js'

const WIN: PlaceContext = { cwd: 'D:\\a\\repo\\repo', platform: 'win32' }
const LINUX: PlaceContext = { cwd: '/home/runner/work/repo/repo', platform: 'linux' }

function same(a: string, b: string, context = WIN): void {
  expect(placeKey(placeOf(a, context)), `${a} = ${b}`).toBe(placeKey(placeOf(b, context)))
}

describe('splitRemote by platform', () => {
  it('reads a one-letter name before the colon as a drive only on Windows', () => {
    for (const p of ['C:\\x', 'C:/x', 'c:\\x', 'C:', 'C:x']) {
      expect(splitRemote(p, 'win32'), p).toBeUndefined()
    }
    expect(splitRemote('C:\\Users\\me\\data', 'linux')).toEqual({ remote: 'C', path: '\\Users\\me\\data' })
    expect(splitRemote('C:/data', 'darwin')).toEqual({ remote: 'C', path: '/data' })
  })

  it('keeps longer remote names and connection strings remote on Windows', () => {
    expect(splitRemote('b2:bucket/x', 'win32')).toEqual({ remote: 'b2', path: 'bucket/x' })
    expect(splitRemote(':local:C:\\x', 'win32')).toEqual({ remote: ':local', path: 'C:\\x' })
    expect(splitRemote(':sftp,host=h:d', 'win32')).toEqual({ remote: ':sftp,host=h', path: 'd' })
  })

  it('reads a backslash before the first colon as a local path on every platform, as rclone does', () => {
    for (const platform of ['win32', 'linux'] as const) {
      expect(splitRemote('\\\\server\\share\\x', platform)).toBeUndefined()
      expect(splitRemote('dir\\sub:x', platform)).toBeUndefined()
      expect(splitRemote('dir/sub:x', platform)).toBeUndefined()
    }
  })
})

describe('local places by Windows rules', () => {
  it('are local, whatever the drive letter case and separator', () => {
    const p = placeOf('C:\\Data\\Photos', WIN)
    expect(p).toEqual({ root: 'local', segments: ['c:', 'data', 'photos'] })
    same('C:\\Data\\Photos', 'c:/data/photos')
    same('C:\\Data\\Photos', 'C:\\DATA\\photos\\')
    same('C:\\Data\\Photos', 'C:/Data/x/../Photos/.')
    same('C:\\Data\\Photos', ':local:C:\\Data\\Photos')
    same('C:\\Data\\Photos', '\\\\?\\C:\\Data\\Photos')
  })

  it('resolve relative and rooted spellings against the working folder and its drive', () => {
    same('out', 'D:\\a\\repo\\repo\\out')
    same('.\\out', 'd:/A/Repo/Repo/OUT')
    same('..\\repo\\out', './out/')
    same('\\tmp\\x', 'D:\\tmp\\x')
    same(':local:out', 'out')
  })

  it('tell drives and shares apart', () => {
    expect(relate(placeOf('C:\\data', WIN), placeOf('D:\\data', WIN))).toBeUndefined()
    expect(relate(placeOf('\\\\nas\\share\\data', WIN), placeOf('\\\\nas\\other\\data', WIN))).toBeUndefined()
    expect(relate(placeOf('\\\\nas\\share\\data', WIN), placeOf('D:\\share\\data', WIN))).toBeUndefined()
    same('\\\\NAS\\Share\\data', '//nas/share/Data')
    same('\\\\nas\\share\\data', '\\\\?\\UNC\\nas\\share\\data')
  })

  it('nest and overlap without regard to case or separator', () => {
    expect(relate(placeOf('C:\\Data\\Photos\\2024', WIN), placeOf('c:/data/photos', WIN))).toBe('inside')
    expect(relate(placeOf('C:/data', WIN), placeOf('C:\\DATA\\Photos', WIN))).toBe('contains')
    expect(relate(placeOf('\\\\nas\\share', WIN), placeOf('\\\\NAS\\SHARE\\backups', WIN))).toBe('contains')
    expect(relate(placeOf('C:\\data\\photos2', WIN), placeOf('C:\\data\\photos', WIN))).toBeUndefined()

    const index = new PlaceIndex<string>()
    index.add(placeOf('C:\\Backup', WIN), 'backup')
    index.add(placeOf('\\\\nas\\share\\x', WIN), 'share')
    expect(index.overlapping(placeOf('c:/backup/daily', WIN))).toEqual([
      { value: 'backup', relation: 'inside' },
    ])
    expect(index.overlapping(placeOf('\\\\Nas\\Share', WIN))).toEqual([
      { value: 'share', relation: 'contains' },
    ])
  })

  it('split remote paths on both separators, keeping their case', () => {
    expect(placeOf('b2:Bucket\\Photos/2024', WIN).segments).toEqual(['Bucket', 'Photos', '2024'])
    expect(relate(placeOf('b2:bk\\a\\b', WIN), placeOf('b2:bk/a', WIN))).toBe('inside')
    expect(relate(placeOf('b2:bk/A', WIN), placeOf('b2:bk/a', WIN))).toBeUndefined()
  })

  it('resolve a config remote of type local to a Windows folder', () => {
    const remote = remoteLookup('[disk]\ntype = local\n', {})
    same('disk:C:\\Data', 'c:/data', { ...WIN, remote })
  })

  it('give back a path Windows can open', () => {
    expect(localPath(placeOf('C:/Data/Photos', WIN), 'win32')).toBe('c:\\data\\photos')
    expect(localPath(placeOf('\\\\nas\\share\\x', WIN), 'win32')).toBe('\\\\nas\\share\\x')
    expect(localPath(placeOf('C:\\', WIN), 'win32')).toBe('c:\\')
  })
})

describe('the same spellings by Linux rules', () => {
  it('read C: as a remote and a backslash as part of a name', () => {
    expect(placeOf('C:\\Users\\me\\data', LINUX)).toEqual({ root: 'C:', segments: ['\\Users\\me\\data'] })
    expect(relate(placeOf('C:/data', LINUX), placeOf('C:/data/x', LINUX))).toBe('contains')
    expect(placeOf('dir\\sub', LINUX).segments.at(-1)).toBe('dir\\sub')
    expect(relate(placeOf('out/A', LINUX), placeOf('out/a', LINUX))).toBeUndefined()
    expect(localPath(placeOf('out', LINUX), 'linux')).toBe('/home/runner/work/repo/repo/out')
  })
})

describe('windowsPathWarning', () => {
  it('warns on Linux and macOS that C: is read as a remote name', () => {
    for (const p of ['C:\\Users\\me\\data', 'c:/data', 'D:\\']) {
      const w = windowsPathWarning(p, 'linux')
      expect(w, p).toContain(`"${p[0]}:" as the name of a remote`)
      expect(w).toContain("didn't find section")
      expect(w).toContain('Linux runner')
    }
    expect(windowsPathWarning('C:\\x', 'darwin')).toContain('macOS runner')
  })

  it('warns that a UNC path is a local folder off Windows', () => {
    expect(windowsPathWarning('\\\\nas\\share\\x', 'linux')).toContain('network share')
  })

  it('says nothing on Windows, or for spellings that read the same everywhere', () => {
    expect(windowsPathWarning('C:\\Users\\me\\data', 'win32')).toBeUndefined()
    for (const p of ['b2:bucket', 'gdrive:C/x', '/data', './C:/x', 'data', ':local:/x', 'photos-2024:x']) {
      expect(windowsPathWarning(p, 'linux'), p).toBeUndefined()
    }
  })

  it('says nothing for a one-letter remote the config defines', () => {
    const remote = remoteLookup('[c]\ntype = s3\n', {})
    expect(windowsPathWarning('c:/bucket', 'linux', remote)).toBeUndefined()
    expect(windowsPathWarning('d:/bucket', 'linux', remote)).toContain('"d:"')
  })
})
