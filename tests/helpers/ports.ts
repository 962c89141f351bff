/** Ports for the loopback servers the tests start. */
import net from 'node:net'

/** A free TCP port on 127.0.0.1 (the kernel's pick; another process could take it before the server binds). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}
