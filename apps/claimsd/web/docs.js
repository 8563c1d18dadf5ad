/*
 * libclaims API reference: renders /api/v1/openapi.json by tag, with each
 * operation's parameters, request body and responses, the WebSocket
 * (x-websocket) and the schemas.  No inline script or style (CSP: self).
 */
'use strict';

(function () {
	const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
	let spec = null;

	function el(tag, attrs, ...children) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v === null || v === undefined)
				continue;
			if (k === 'class')
				e.className = v;
			else if (k === 'text')
				e.textContent = v;
			else
				e.setAttribute(k, v);
		}
		for (const c of children) {
			if (c !== null && c !== undefined)
				e.append(c);
		}
		return e;
	}

	function refName(ref) {
		return ref.split('/').pop();
	}

	function resolve(obj) {
		let o = obj;
		for (let i = 0; o && o.$ref && i < 10; i++) {
			const parts = o.$ref.replace(/^#\//, '').split('/');
			o = parts.reduce((acc, p) => (acc ? acc[p] : undefined), spec);
		}
		return o || {};
	}

	function slug(text) {
		return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
	}

	/* A one-line type of a schema: "ClaimSummary", "array of Issue",
	 * "string (date), nullable", "enum: a | b". */
	function typeOf(schema) {
		if (!schema)
			return 'any';
		if (schema.$ref)
			return refName(schema.$ref);
		let t;
		if (schema.allOf && schema.allOf.length === 1)
			t = typeOf(schema.allOf[0]);
		else if (schema.allOf)
			t = schema.allOf.map(typeOf).join(' + ');
		else if (schema.oneOf)
			t = 'one of ' + schema.oneOf.map(typeOf).join(' | ');
		else if (schema.enum)
			t = schema.enum.map((v) => JSON.stringify(v)).join(' | ');
		else if (schema.type === 'array')
			t = 'array of ' + typeOf(schema.items);
		else if (schema.type === 'object' && schema.additionalProperties &&
			 schema.additionalProperties !== true && !schema.properties)
			t = 'map of ' + typeOf(schema.additionalProperties);
		else {
			t = schema.type || 'any';
			if (schema.format && !['int64', 'double'].includes(schema.format))
				t += ` (${schema.format})`;
			if (schema['x-decimals'])
				t += `, ${schema['x-decimals']} decimals`;
			if (schema.minimum !== undefined || schema.maximum !== undefined)
				t += ` ${schema.minimum !== undefined ? schema.minimum : ''}..${schema.maximum !== undefined ? schema.maximum : ''}`;
		}
		if (schema.nullable)
			t += ', nullable';
		return t;
	}

	/* A schema as an indented outline of its fields (objects expanded to
	 * @p depth; references name their schema, listed at the end). */
	function outline(schema, depth, indent) {
		const pad = '  '.repeat(indent);
		if (!schema)
			return '';
		if (schema.$ref || depth <= 0)
			return pad + typeOf(schema) + '\n';
		if (schema.allOf && schema.allOf.length > 1) {
			return schema.allOf.map((s) => s.$ref ? pad + '…' + refName(s.$ref) + '\n'
				: outline(s, depth, indent)).join('');
		}
		if (schema.type === 'object' && schema.properties) {
			const req = new Set(schema.required || []);
			let out = '';
			for (const [name, prop] of Object.entries(schema.properties)) {
				out += `${pad}${name}${req.has(name) ? '' : '?'}: ${typeOf(prop)}`;
				if (prop.description)
					out += `  — ${prop.description}`;
				out += '\n';
				const inner = prop.type === 'array' ? prop.items : prop;
				if (inner && !inner.$ref && inner.type === 'object' && inner.properties)
					out += outline(inner, depth - 1, indent + 1);
			}
			return out;
		}
		if (schema.type === 'array' && schema.items && !schema.items.$ref)
			return pad + 'array of:\n' + outline(schema.items, depth - 1, indent + 1);
		return pad + typeOf(schema) + '\n';
	}

	function schemaBlock(schema) {
		/* A named schema is shown expanded, under its name. */
		let text;
		if (schema && schema.$ref) {
			const inner = outline(resolve(schema), 3, 1).trimEnd();
			text = refName(schema.$ref) + (inner ? ':\n' + inner : '');
		} else {
			text = outline(schema, 3, 0).trimEnd();
		}
		return el('pre', { class: 'schema', text: text || typeOf(schema) });
	}

	function schemaLinks(schema, out) {
		if (!schema || typeof schema !== 'object')
			return out;
		if (schema.$ref)
			out.add(refName(schema.$ref));
		for (const v of Object.values(schema)) {
			if (typeof v === 'object')
				schemaLinks(v, out);
		}
		return out;
	}

	function linksLine(schema) {
		const names = [...schemaLinks(schema, new Set())];
		if (!names.length)
			return null;
		const p = el('p', { class: 'tagline' }, 'See: ');
		names.forEach((n, i) => {
			if (i)
				p.append(', ');
			p.append(el('a', { href: '#schema-' + slug(n), text: n }));
		});
		return p;
	}

	function paramsTable(params) {
		const body = el('tbody');
		for (const raw of params) {
			const p = resolve(raw);
			body.append(el('tr', {},
				el('td', {}, el('code', { text: p.name })),
				el('td', { text: p.in }),
				el('td', { text: typeOf(p.schema) + (p.schema && p.schema.default !== undefined ? ` (default ${p.schema.default})` : '') }),
				el('td', { text: p.required ? 'yes' : '' }),
				el('td', { text: p.description || '' })));
		}
		return el('table', { class: 'data' },
			el('thead', {}, el('tr', {}, ...['Name', 'In', 'Type', 'Required', 'Description']
				.map((h) => el('th', { text: h })))), body);
	}

	function contentBlocks(content) {
		const out = [];
		for (const [type, media] of Object.entries(content || {})) {
			out.push(el('p', {}, el('code', { text: type })));
			if (media.schema) {
				out.push(schemaBlock(media.schema));
				const links = linksLine(media.schema);
				if (links)
					out.push(links);
			}
		}
		return out;
	}

	function responsesTable(responses) {
		const body = el('tbody');
		for (const [status, raw] of Object.entries(responses || {})) {
			const r = resolve(raw);
			const cell = el('td', {}, r.description || '');
			for (const [name, h] of Object.entries(r.headers || {}))
				cell.append(el('div', { class: 'tagline', text: `Header ${name}: ${typeOf(h.schema)}` }));
			const types = el('td');
			for (const [type, media] of Object.entries(r.content || {})) {
				types.append(el('div', {}, el('code', { text: type }), ' ',
					media.schema ? typeOf(media.schema) : ''));
			}
			body.append(el('tr', { 'data-status': status }, el('td', {}, el('strong', { text: status })),
				cell, types));
		}
		return el('table', { class: 'data' },
			el('thead', {}, el('tr', {}, ...['Status', 'Description', 'Body']
				.map((h) => el('th', { text: h })))), body);
	}

	function operation(method, path, op) {
		const id = 'op-' + slug(method + ' ' + path);
		const sec = el('article', { class: 'op', id, 'data-method': method.toUpperCase(),
			'data-path': path });
		sec.append(el('h3', {}, el('span', { class: 'method ' + method, text: method.toUpperCase() }),
			el('code', { class: 'path', text: path }), el('span', { text: op.summary || '' })));
		if (op.description)
			sec.append(el('p', { text: op.description }));
		const notes = [];
		if (op.security && op.security.length === 0)
			notes.push('No token needed.');
		else if (op['x-roles'])
			notes.push('Token with role ' + op['x-roles'].join(', ') + '.');
		else
			notes.push('Token needed when authentication is on.');
		if (op['x-cache'])
			notes.push('Cache: ' + op['x-cache'] + '.');
		if (op['x-invalidates'])
			notes.push('Invalidates: ' + op['x-invalidates'] + '.');
		sec.append(el('p', { class: 'tagline', text: notes.join(' ') }));
		if (op.parameters && op.parameters.length) {
			sec.append(el('h4', { text: 'Parameters' }));
			sec.append(paramsTable(op.parameters));
		}
		if (op.requestBody) {
			const rb = resolve(op.requestBody);
			sec.append(el('h4', { text: 'Request body' + (rb.required ? '' : ' (optional)') }));
			if (rb.description)
				sec.append(el('p', { text: rb.description }));
			sec.append(...contentBlocks(rb.content));
		}
		sec.append(el('h4', { text: 'Responses' }));
		sec.append(responsesTable(op.responses));
		const ok = Object.entries(op.responses || {}).find(([s]) => s.startsWith('2'));
		if (ok) {
			const r = resolve(ok[1]);
			const json = r.content && r.content['application/json'];
			if (json && json.schema) {
				sec.append(el('h4', { text: ok[0] + ' body' }));
				sec.append(schemaBlock(json.schema));
				const links = linksLine(json.schema);
				if (links)
					sec.append(links);
			}
		}
		return sec;
	}

	function websocket(path, ws) {
		const sec = el('article', { class: 'op', id: 'op-' + slug('ws ' + path),
			'data-method': 'WS', 'data-path': path });
		sec.append(el('h3', {}, el('span', { class: 'method ws', text: 'WS' }),
			el('code', { class: 'path', text: path }), el('span', { text: ws.summary || '' })));
		sec.append(el('p', { text: ws.description || '' }));
		if (ws.parameters && ws.parameters.length) {
			sec.append(el('h4', { text: 'Parameters' }));
			sec.append(paramsTable(ws.parameters));
		}
		if (ws.events) {
			sec.append(el('h4', { text: 'Events' }));
			sec.append(el('p', {}, ...ws.events.flatMap((e, i) => [i ? ', ' : '',
				el('code', { text: e })])));
		}
		if (ws.messages) {
			sec.append(el('h4', { text: 'Messages' }));
			sec.append(schemaBlock(resolve(ws.messages)));
		}
		if (ws.responses) {
			sec.append(el('h4', { text: 'Upgrade answers' }));
			sec.append(responsesTable(ws.responses));
		}
		return sec;
	}

	function render() {
		const doc = document.getElementById('doc');
		const toc = document.getElementById('toc');
		doc.textContent = '';
		toc.textContent = '';
		document.getElementById('doc-version').textContent = 'v' + spec.info.version +
			' · OpenAPI ' + spec.openapi;
		document.title = spec.info.title + ' API reference';
		doc.append(el('section', { class: 'panel' }, el('h2', { text: spec.info.title }),
			el('p', { text: spec.info.description || '' })));

		const byTag = new Map((spec.tags || []).map((t) => [t.name, { tag: t, ops: [] }]));
		for (const [path, item] of Object.entries(spec.paths || {})) {
			for (const m of METHODS) {
				if (!item[m])
					continue;
				const tag = (item[m].tags || ['Other'])[0];
				if (!byTag.has(tag))
					byTag.set(tag, { tag: { name: tag }, ops: [] });
				byTag.get(tag).ops.push([m, path, item[m]]);
			}
		}
		const wsByTag = new Map();
		for (const [path, ws] of Object.entries(spec['x-websocket'] || {})) {
			const tag = (ws.tags || ['Other'])[0];
			if (!wsByTag.has(tag))
				wsByTag.set(tag, []);
			wsByTag.get(tag).push([path, ws]);
		}

		for (const { tag, ops } of byTag.values()) {
			const wss = wsByTag.get(tag.name) || [];
			if (!ops.length && !wss.length)
				continue;
			const id = 'tag-' + slug(tag.name);
			const sec = el('section', { class: 'tag', id, 'data-tag': tag.name },
				el('h2', { text: tag.name }),
				tag.description ? el('p', { class: 'muted', text: tag.description }) : null);
			const list = el('ul');
			for (const [m, path, op] of ops) {
				sec.append(operation(m, path, op));
				list.append(el('li', {}, el('a', { href: '#op-' + slug(m + ' ' + path) },
					el('span', { class: 'method ' + m, text: m.toUpperCase() }), ' ' + path)));
			}
			for (const [path, ws] of wss) {
				sec.append(websocket(path, ws));
				list.append(el('li', {}, el('a', { href: '#op-' + slug('ws ' + path) },
					el('span', { class: 'method ws', text: 'WS' }), ' ' + path)));
			}
			doc.append(sec);
			toc.append(el('a', { href: '#' + id }, el('strong', { text: tag.name })), list);
		}

		const schemas = (spec.components && spec.components.schemas) || {};
		const sec = el('section', { class: 'tag', id: 'schemas' }, el('h2', { text: 'Schemas' }));
		const list = el('ul');
		for (const [name, schema] of Object.entries(schemas)) {
			const id = 'schema-' + slug(name);
			const art = el('article', { class: 'op', id, 'data-schema': name },
				el('h3', {}, el('code', { text: name })));
			if (schema.description)
				art.append(el('p', { text: schema.description }));
			art.append(schemaBlock(schema));
			const links = linksLine(schema);
			if (links)
				art.append(links);
			sec.append(art);
			list.append(el('li', {}, el('a', { href: '#' + id, text: name })));
		}
		doc.append(sec);
		toc.append(el('a', { href: '#schemas' }, el('strong', { text: 'Schemas' })), list);
	}

	async function init() {
		try {
			const resp = await fetch('/api/v1/openapi.json', { cache: 'no-store' });
			if (!resp.ok)
				throw new Error('HTTP ' + resp.status);
			spec = await resp.json();
			render();
			document.body.dataset.state = 'ready';
			if (location.hash) {
				const target = document.getElementById(location.hash.slice(1));
				if (target)
					target.scrollIntoView();
			}
		} catch (e) {
			const err = document.getElementById('doc-error');
			err.textContent = 'Could not load the API description: ' + e.message;
			err.hidden = false;
			document.body.dataset.state = 'error';
		}
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', init);
	else
		init();
})();
