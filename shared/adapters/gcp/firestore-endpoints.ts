/**
 * The Firestore MetaStore's endpoints:
 *   accounts/{accountId}/endpoints/{endpointId}         an endpoint
 *   accounts/{accountId}/endpoint_names/{encoded name}  claims a name for one endpoint id
 * As for sources, the name claim is created in the same transaction as the endpoint (or the
 * rename), so two writers can never both take one name.
 */
import type { DocumentReference } from '@google-cloud/firestore';
import type { Endpoint, EndpointPatch } from '../../endpoints/model.ts';
import { parseStored } from '../meta-records.ts';
import { EndpointRecord, applyEndpointPatch, endpointExists, endpointNameTaken } from '../query-records.ts';
import { encodeDocId, isAlreadyExists, type FirestoreDatabase } from './firestore.ts';

const readEndpoint = (value: unknown) => parseStored(EndpointRecord, value, 'endpoint');

export class FirestoreEndpoints {
  constructor(private readonly database: FirestoreDatabase) {}

  private get db() {
    return this.database.firestore;
  }

  private account(accountId: string) {
    return this.db.collection('accounts').doc(encodeDocId(accountId));
  }

  private endpoint(accountId: string, id: string): DocumentReference {
    return this.account(accountId).collection('endpoints').doc(encodeDocId(id));
  }

  private nameClaim(accountId: string, name: string): DocumentReference {
    return this.account(accountId).collection('endpoint_names').doc(encodeDocId(name));
  }

  async create(endpoint: Endpoint): Promise<void> {
    const ref = this.endpoint(endpoint.account_id, endpoint.id);
    const claim = this.nameClaim(endpoint.account_id, endpoint.name);
    try {
      await this.db.runTransaction(async (tx) => {
        const [claimed, existing] = await tx.getAll(claim, ref);
        if (claimed!.exists) throw endpointNameTaken(endpoint.name);
        if (existing!.exists) throw endpointExists(endpoint.id);
        tx.create(ref, endpoint);
        tx.create(claim, { endpoint_id: endpoint.id });
      });
    } catch (error) {
      throw isAlreadyExists(error) ? endpointNameTaken(endpoint.name) : error;
    }
  }

  async get(accountId: string, id: string): Promise<Endpoint | null> {
    const snapshot = await this.endpoint(accountId, id).get();
    return snapshot.exists ? readEndpoint(snapshot.data()) : null;
  }

  async findByName(accountId: string, name: string): Promise<Endpoint | null> {
    const claim = await this.nameClaim(accountId, name).get();
    if (!claim.exists) return null;
    return this.get(accountId, String(claim.get('endpoint_id')));
  }

  async list(accountId: string): Promise<Endpoint[]> {
    const snapshot = await this.account(accountId).collection('endpoints').orderBy('name').get();
    return snapshot.docs.map((doc) => readEndpoint(doc.data()));
  }

  update(accountId: string, id: string, patch: EndpointPatch): Promise<Endpoint | null> {
    const ref = this.endpoint(accountId, id);
    return this.db.runTransaction(async (tx) => {
      const snapshot = await tx.get(ref);
      if (!snapshot.exists) return null;
      const current = readEndpoint(snapshot.data());
      const next = applyEndpointPatch(current, patch);
      if (next.name !== current.name) {
        const claim = this.nameClaim(accountId, next.name);
        if ((await tx.get(claim)).exists) throw endpointNameTaken(next.name);
        tx.delete(this.nameClaim(accountId, current.name));
        tx.create(claim, { endpoint_id: id });
      }
      tx.set(ref, next);
      return next;
    });
  }

  delete(accountId: string, id: string): Promise<boolean> {
    const ref = this.endpoint(accountId, id);
    return this.db.runTransaction(async (tx) => {
      const snapshot = await tx.get(ref);
      if (!snapshot.exists) return false;
      tx.delete(ref);
      tx.delete(this.nameClaim(accountId, readEndpoint(snapshot.data()).name));
      return true;
    });
  }
}
